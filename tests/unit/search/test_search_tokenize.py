"""The shared tokenizer: words, digits, CJK unigrams and bigrams; query terms."""

from duijie.search.tokenize import QueryTerm, query_pieces, query_terms, stem, token_string, tokenize


def test_two_character_cjk_word_yields_unigrams_and_its_bigram():
    assert tokenize("凉皮") == ["凉", "皮", "凉皮"]


def test_longer_cjk_run_yields_every_adjacent_bigram():
    tokens = tokenize("羊肉泡馍")
    assert tokens == ["羊", "肉", "泡", "馍", "羊肉", "肉泡", "泡馍"]


def test_latin_words_are_lower_cased_and_punctuation_dropped():
    assert tokenize("Shaanxi FOOD, (Xi'an)!") == ["shaanxi", "food", "xian"]


def test_full_width_letters_and_diacritics_are_normalised():
    assert tokenize("ＣＡＦÉ crème") == ["cafe", "creme"]


def test_digits_are_kept_as_words():
    assert tokenize("private room for 60 people") == ["private", "room", "for", "60", "people"]


def test_mixed_text_splits_cjk_from_latin_without_spaces():
    assert tokenize("肉夹馍Roujiamo") == ["肉", "夹", "馍", "肉夹", "夹馍", "roujiamo"]


def test_light_plural_stemming():
    assert stem("noodles") == "noodle"
    assert stem("berries") == "berry"
    assert stem("dishes") == "dish"
    assert stem("glass") == "glass"
    assert stem("bus") == "bus"
    assert tokenize("Cold Noodles") == ["cold", "noodle"]


def test_empty_and_none_give_no_tokens():
    assert tokenize("") == []
    assert tokenize(None) == []
    assert tokenize("，。！ ...") == []


def test_token_string_joins_several_texts():
    assert token_string("凉皮", None, "Cold") == "凉 皮 凉皮 cold"


def test_query_cjk_run_becomes_its_bigrams():
    assert query_terms("羊肉泡馍") == [QueryTerm("羊肉"), QueryTerm("肉泡"), QueryTerm("泡馍")]


def test_query_two_characters_is_one_bigram():
    assert query_terms("凉皮") == [QueryTerm("凉皮")]


def test_query_single_cjk_character_is_a_unigram():
    assert query_terms("馍") == [QueryTerm("馍")]


def test_query_latin_words_are_prefixes_when_long_enough():
    assert query_terms("cold noodles to go") == [
        QueryTerm("cold", prefix=True),
        QueryTerm("noodle", prefix=True),
        QueryTerm("to"),
        QueryTerm("go"),
    ]


def test_query_digits_are_exact():
    assert query_terms("60") == [QueryTerm("60")]


def test_query_mixed_terms_are_deduplicated_in_order():
    assert query_terms("凉皮 cold 凉皮") == [QueryTerm("凉皮"), QueryTerm("cold", prefix=True)]


def test_query_pieces_keep_the_visible_text():
    pieces = query_pieces("陕西 Shaanxi")
    assert [p.text for p in pieces] == ["陕西", "shaanxi"]


def test_normalize_folds_case_width_and_diacritics_on_ascii_and_other_text_alike():
    from duijie.search.tokenize import normalize

    assert normalize("Beef NOODLES") == "beef noodles"
    assert normalize("Ｂｅｅｆ　Crème Brûlée 凉皮") == "beef creme brulee 凉皮"
    assert normalize("e\u0301") == "e"


def test_tokenize_results_are_fresh_lists_even_when_cached():
    first = tokenize("凉皮 noodles")
    first.append("mutated")
    assert tokenize("凉皮 noodles") == ["凉", "皮", "凉皮", "noodle"]
    long_text = "凉皮 " * 40  # longer than the cached length
    assert tokenize(long_text) == ["凉", "皮", "凉皮"] * 40

"""Constant messages are translated when a template compiles, and the page reads exactly as when
every ``_()`` ran at render time (safe markup where autoescaping is on, arguments escaped)."""

from __future__ import annotations

from jinja2 import DictLoader, Environment, select_autoescape

from duijie.web.template_i18n import ConstantGettext
from duijie.web.templating import environment

ZH = {"Search": "搜索", "Fish & <b>chips</b>": "炸鱼<b>薯条</b> & 酱", "%(km)s away": "距离%(km)s",
      "100%% sure": "百分之百", "Main": "主导航"}
TEMPLATES = {
    "page.html": ('<title>{{ _("Search") }}</title><nav aria-label="{{ _(\'Main\') }}">{{ _("Fish & <b>chips</b>") }}'
                  '</nav><p>{{ _("%(km)s away", km=far) }}</p><p>{{ _("100%% sure") }}</p>'
                  '<p>{{ _("Not translated") }}</p>{% set names = {"s": _("Search")} %}{{ names.s }}'),
    "mail.txt": '{{ _("Fish & <b>chips</b>") }}|{{ _("Search") ~ "!" }}',
}


class Translations:
    def gettext(self, message: str) -> str:
        return ZH.get(message, message)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return self.gettext(singular if n == 1 else plural)


def _env(at_compile: bool) -> Environment:
    env = Environment(loader=DictLoader(TEMPLATES), autoescape=select_autoescape(["html"]),
                      extensions=["jinja2.ext.i18n", ConstantGettext])
    env.install_gettext_translations(Translations(), newstyle=True)  # type: ignore[attr-defined]
    if at_compile:
        env.extend(compile_gettext=Translations().gettext)
    return env


def test_constant_messages_are_compiled_in_and_the_page_reads_as_before() -> None:
    compiled, runtime = _env(True), _env(False)
    for name in TEMPLATES:
        context = {"far": "<3 km>"}
        assert compiled.get_template(name).render(context) == runtime.get_template(name).render(context)
    page = compiled.get_template("page.html").render(far="<3 km>")
    assert "<title>搜索</title>" in page and 'aria-label="主导航"' in page
    assert "炸鱼<b>薯条</b> & 酱" in page  # a translation is markup, as newstyle gettext makes it
    assert "距离&lt;3 km&gt;" in page and "<p>百分之百</p>" in page  # arguments escaped; %% formatted
    assert compiled.get_template("mail.txt").render() == "炸鱼<b>薯条</b> & 酱|搜索!"
    source = compiled.loader.get_source(compiled, "page.html")[0]  # type: ignore[union-attr]
    code = compiled.compile(source, "page.html", raw=True)
    assert "搜索" in code and "'Search'" not in code  # in the compiled template, no call at render
    assert "'%(km)s away'" in code  # a message with arguments is still translated at render


def test_the_node_s_environments_translate_constant_messages_when_compiling() -> None:
    env = environment("zh")
    source = env.loader.get_source(env, "base.html")[0]  # type: ignore[union-attr]
    code = env.compile(source, "base.html", raw=True)
    assert "跳到正文" in code and "'Skip to content'" not in code
    assert env.auto_reload is False

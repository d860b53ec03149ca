from duijie.protocol.errors import BecknErrorCode, ack_body, error_body, nack_body


def test_codes_cover_the_beckn_005_ranges() -> None:
    values = {int(c) for c in BecknErrorCode}
    assert set(range(30000, 30016)) | set(range(40000, 40007)) | set(range(50000, 50005)) == values


def test_ack_and_nack_have_the_core_1_1_1_shape() -> None:
    assert ack_body() == {"message": {"ack": {"status": "ACK"}}}
    assert nack_body() == {"message": {"ack": {"status": "NACK"}}}
    assert nack_body(BecknErrorCode.ITEM_NOT_FOUND, "no item i9", "$.message.order.items[0].id") == {
        "message": {"ack": {"status": "NACK"}},
        "error": {"code": "30004", "message": "no item i9", "paths": "$.message.order.items[0].id"},
    }


def test_error_code_is_sent_as_a_string() -> None:
    assert error_body(50001, "too late") == {"code": "50001", "message": "too late"}

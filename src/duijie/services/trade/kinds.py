"""Kinds of trade: where a food order, a reservation, a job application or a pool pledge plugs in.

Seller side: a :class:`SellerKind` declares which catalog items it owns (a food order the menu's
items, a reservation the provider's rooms) and answers ``select``/``init``/``confirm`` for them,
then ``status``/``track``/``cancel``/``update``/``rating``/``support`` for the orders it holds.
The seller dispatch (:mod:`duijie.services.trade.seller`) picks the kind by what a request is
about and queues the callback; a kind only reads the request, runs its use cases and returns the
callback's ``message``. Registering a kind is one line: ``seller.kinds.register(MyKind(...))``.

Buyer side: a :class:`BuyerKind` writes the orders of ``select``, ``init`` and ``confirm`` for
what the buyer wants; :meth:`duijie.services.buyer.BuyerService.place` runs the exchange.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any, Generic, Protocol, TypeVar, runtime_checkable

from duijie.domain.listing import Listing
from duijie.protocol.errors import BecknErrorCode
from duijie.protocol.pipeline import Verified
from duijie.services.ports import UnitOfWork

Message = dict[str, Any]
"""The ``message`` of a callback (``{"order": {...}}``, ``{"tracking": {...}}``, ...)."""

U = TypeVar("U", bound=UnitOfWork)


class Refused(Exception):
    """A business refusal that is not an order rule (unknown order, provider, target...).

    The request was ACKed; the buyer gets a callback carrying ``error`` with the BECKN-005 code.
    """

    def __init__(self, code: BecknErrorCode, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


class SellerKind(Generic[U]):
    """One kind of trade on the seller side. ``uow`` is the node's unit of work, which holds the
    kind's repositories; ``now`` is the time the request is handled.

    ``owns_item``, ``holds_order``, ``select``, ``init`` and ``confirm`` are required; the other
    actions refuse (ACTION_NOT_APPLICABLE) unless the kind answers them.
    """

    name = "kind"

    def owns_item(self, listing: Listing, item_id: str) -> bool:
        """Whether ``item_id`` of ``listing`` is traded by this kind."""
        raise NotImplementedError

    def holds_order(self, uow: U, order_id: str) -> bool:
        """Whether ``order_id`` is one of this kind's orders."""
        raise NotImplementedError

    def holds_transaction(self, uow: U, bap_id: str, transaction_id: str) -> bool:
        """Whether a select/init of this transaction is under way here (an init or confirm may name no items)."""
        return False

    def select(self, uow: U, request: Verified, listing: Listing, now: datetime) -> Message:
        """Quote what ``request`` selects from ``listing``: the ``on_select`` message."""
        raise NotImplementedError

    def init(self, uow: U, request: Verified, listing: Listing, now: datetime) -> Message:
        """Terms for the draft (fulfillment, billing, payment): the ``on_init`` message."""
        raise NotImplementedError

    def confirm(self, uow: U, request: Verified, listing: Listing, now: datetime) -> Message:
        """Store the order (once per transaction, a retry gets the same one): the ``on_confirm`` message.

        Its ``order`` is handed to the seller's ``on_order_confirmed`` hook (receipts) afterwards.
        """
        raise NotImplementedError

    def status(self, uow: U, request: Verified, order_id: str | None, now: datetime) -> Message:
        """The buyer's order as it stands: the ``on_status`` message."""
        raise self._not_applicable(request)

    def track(self, uow: U, request: Verified, order_id: str | None, now: datetime) -> Message:
        raise self._not_applicable(request)

    def cancel(self, uow: U, request: Verified, order_id: str | None, now: datetime) -> Message:
        raise self._not_applicable(request)

    def update(self, uow: U, request: Verified, order_id: str | None, now: datetime) -> Message:
        """A change of the order's content (the seller handles ``update_target`` "tags" itself)."""
        raise self._not_applicable(request)

    def rating(self, uow: U, request: Verified, order_id: str | None, now: datetime) -> Message:
        raise self._not_applicable(request)

    def support(self, uow: U, request: Verified, order_id: str | None, now: datetime) -> Message:
        raise self._not_applicable(request)

    def _not_applicable(self, request: Verified) -> Refused:
        action = request.context.action.value
        return Refused(BecknErrorCode.ACTION_NOT_APPLICABLE, f"{action} does not apply to a {self.name}")


class TradeKinds:
    """The kinds a seller trades in, asked in the order they were registered.

    With one kind (the usual node) every request goes to it without asking. Otherwise the first
    kind that owns the request's first item, or holds its order or transaction, takes it; when
    none does, the first kind registered answers (and refuses what it does not know).
    """

    def __init__(self) -> None:
        self._kinds: list[SellerKind[Any]] = []

    def register(self, kind: SellerKind[Any]) -> None:
        self._kinds.append(kind)

    def __iter__(self) -> Iterator[SellerKind[Any]]:
        return iter(self._kinds)

    def _default(self) -> SellerKind[Any]:
        if not self._kinds:
            raise Refused(BecknErrorCode.ACTION_NOT_APPLICABLE, "this node trades nothing")
        return self._kinds[0]

    def for_items(self, uow: UnitOfWork, listing: Listing, item_ids: tuple[str, ...],
                  bap_id: str, transaction_id: str) -> SellerKind[Any]:
        """The kind of a select/init/confirm: by its first item, else by its transaction."""
        if len(self._kinds) == 1:
            return self._kinds[0]
        if item_ids:
            for kind in self._kinds:
                if kind.owns_item(listing, item_ids[0]):
                    return kind
        else:
            for kind in self._kinds:
                if kind.holds_transaction(uow, bap_id, transaction_id):
                    return kind
        return self._default()

    def for_order(self, uow: UnitOfWork, order_id: str | None) -> SellerKind[Any]:
        """The kind that holds ``order_id``."""
        if len(self._kinds) == 1:
            return self._kinds[0]
        if order_id is not None:
            for kind in self._kinds:
                if kind.holds_order(uow, order_id):
                    return kind
        return self._default()


class BuyerRequest(Protocol):
    """What every purchase names: the seller's endpoint (and id, if known) and the provider."""

    @property
    def bpp_uri(self) -> str: ...

    @property
    def bpp_id(self) -> str | None: ...

    @property
    def provider_id(self) -> str: ...


RQ = TypeVar("RQ", bound=BuyerRequest, contravariant=True)


class BuyerKind(Protocol[RQ]):
    """One kind of trade on the buyer side: the orders it sends for a request of type ``RQ``."""

    def select_order(self, request: RQ) -> dict[str, Any]:
        """The ``order`` of ``select``."""
        ...

    def init_order(self, request: RQ, selected: dict[str, Any], quoted: dict[str, Any]) -> dict[str, Any]:
        """The ``order`` of ``init``, from what was selected and the order of ``on_select``."""
        ...

    def confirm_order(self, request: RQ, draft: dict[str, Any], terms: dict[str, Any]) -> dict[str, Any]:
        """The ``order`` of ``confirm``, from the ``init`` order and the order of ``on_init``."""
        ...


@runtime_checkable
class AnswerChecked(Protocol):
    """A buyer kind that also checks which node answered its ``select`` (a pool pledge: the node
    must be the pool's organizer, the signer of its terms); raising refuses before ``init``."""

    def check_answer(self, request: Any, answered_by: str | None, quoted: dict[str, Any]) -> None: ...

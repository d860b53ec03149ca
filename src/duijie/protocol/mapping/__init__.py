"""The one mapping between the domain (listings, carts, orders) and Beckn core 1.1.1 shapes.

Outbound: a Listing becomes a Beckn Provider (descriptor name "zh / en", DecimalValue prices,
add-ons, locations with a ``"lat, lon"`` gps string, one Self-Pickup fulfillment per location,
category ids, ``quantity.available`` from stock); a Quote becomes a Quotation with one breakup
row per line and per add-on; an Order becomes a Beckn Order (status ACTIVE/COMPLETE/CANCELLED,
the fine state in ``fulfillments[0].state.descriptor.code``, payments, cancellation terms).

Inbound: the ``order`` of select/init/confirm/update becomes a Cart, a Pickup, Billing and
PaymentTerms; a search ``intent`` becomes :class:`SearchCriteria`. Malformed input raises
:class:`MappingError` carrying the BECKN-005 code to answer with.
"""

from duijie.protocol.mapping.catalog import (
    SearchCriteria,
    catalog_to_beckn,
    descriptor,
    item_to_beckn,
    location_to_beckn,
    pickup_fulfillment_id,
    price,
    provider_to_beckn,
    search_criteria,
)
from duijie.protocol.mapping.codes import PICKUP, MappingError, beckn_status, error_code, error_paths
from duijie.protocol.mapping.orders import (
    billing_from_order,
    cancellation_terms,
    cart_from_order,
    draft_to_beckn,
    order_to_beckn,
    payment_from_order,
    pickup_from_order,
    provider_id_of,
    quote_to_beckn,
    rating_value,
    support_to_beckn,
    tracking_to_beckn,
)

__all__ = [
    "PICKUP",
    "MappingError",
    "SearchCriteria",
    "beckn_status",
    "billing_from_order",
    "cancellation_terms",
    "cart_from_order",
    "catalog_to_beckn",
    "descriptor",
    "draft_to_beckn",
    "error_code",
    "error_paths",
    "item_to_beckn",
    "location_to_beckn",
    "order_to_beckn",
    "payment_from_order",
    "pickup_from_order",
    "pickup_fulfillment_id",
    "price",
    "provider_id_of",
    "provider_to_beckn",
    "quote_to_beckn",
    "rating_value",
    "search_criteria",
    "support_to_beckn",
    "tracking_to_beckn",
]

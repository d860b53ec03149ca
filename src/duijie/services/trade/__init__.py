"""Trade use cases: what a node buys and sells, apart from the machinery that carries messages.

``seller`` dispatches each seller request to a kind of trade (``kinds``; today ``food``, the food
order for pickup); ``merchant`` is the merchant's order inbox, ``catalog`` the listings,
``receipts`` the signed receipts, ``order_callbacks`` the callbacks a seller queues.
"""

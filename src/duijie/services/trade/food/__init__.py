"""The food order for pickup: ports (orders, drafts), use cases (``orders``) and the kind (``kind``)."""

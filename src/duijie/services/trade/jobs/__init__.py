"""Job applications as a kind of trade: postings in the catalog, an application is an order on one."""

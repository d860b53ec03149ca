"""Producer offers as a kind of trade: the producer's node takes batch orders for its offers."""

"""The 云拼 pool as a kind of trade: pools organized on this node, their pledges and their close."""

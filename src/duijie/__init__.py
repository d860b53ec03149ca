"""duijie (对接): a node of an open, decentralized Beckn trade network."""

__version__ = "0.1.0"

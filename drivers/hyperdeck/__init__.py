"""Blackmagic HyperDeck recorders over the HyperDeck Ethernet protocol (TCP 9993)."""

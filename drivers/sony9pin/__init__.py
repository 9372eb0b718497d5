"""Sony 9-pin (RS-422 "P2") recording decks."""

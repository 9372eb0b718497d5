"""LG displays over the RS-232C ASCII protocol (ka/kf/ke/xb): codec, display and registration."""

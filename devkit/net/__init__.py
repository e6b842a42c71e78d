"""Reaching servers: proxy and CA settings, one explained request, downloads that never leave
half a file behind (foundation: imports no subpackage but this one)."""

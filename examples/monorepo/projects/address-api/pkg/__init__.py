"""Address normalisation and storage helpers for address-api."""

"""Mac-vs-Linux drift: what differs between the platforms an environment is built for."""

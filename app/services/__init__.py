"""The only layer that touches the network, the offline store or the platform's services."""

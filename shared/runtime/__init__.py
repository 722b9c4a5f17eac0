"""Broker-side runtime shared by every stage: broker factory, acking classifier, publishing,
health/metrics HTTP app, consumer-lag exporter and the Service that wires them together."""

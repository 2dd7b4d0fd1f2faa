"""The AWS access layer: clients, error decoding, stacks, change sets, events, buckets, uploads."""

"""The run loop every driver drives: the sans-IO superstep generator (`steps`), calling one node
(`call`), the cache and event hooks around a call (`cache_hooks`, `event_hooks`), and the
channel that delivers a run's events (`event_channel`)."""

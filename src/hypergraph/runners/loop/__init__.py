"""The run loop every driver drives: the sans-IO superstep generator (`steps`), calling one node
(`call`), and the cache and event hooks around a call (`cache_hooks`, `event_hooks`)."""

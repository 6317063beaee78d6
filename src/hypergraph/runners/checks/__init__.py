"""Checks made before a run starts: argument normalisation (`arguments`), input validation
(`inputs`) and interrupt resume keys (`resume_keys`)."""

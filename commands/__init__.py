"""Declared commands: parse typed arguments, check who may run them where, apply the case rules."""

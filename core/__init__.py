"""What every layer shares: configuration, messages and their rendering, the vocabularies (imports no layer)."""

"""CRM domain: records, the store behind them, the agent's CRM tools, scoring and routing."""

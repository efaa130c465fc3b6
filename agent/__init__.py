"""Conversation runner, the LangChain agent and its middleware, LLM providers."""

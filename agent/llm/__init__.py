"""LLM providers behind one factory: `openai` (any compatible endpoint), `local` (embedded GGUF), `scripted`."""

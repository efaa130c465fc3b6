"""Knowledge: loaders, chunking, embeddings, the vector store, search and citations."""

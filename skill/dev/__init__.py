"""Developer tools: the local console, the interaction-model source and its generator,
the Lambda bundler and its build-time SDK rewrite. Never in the Lambda bundle (see
NOT_BUNDLED in bundle.py)."""

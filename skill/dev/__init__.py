"""Developer tools: the local console, the interaction-model source and its generator,
and the Lambda bundler. Never in the Lambda bundle (see NOT_BUNDLED in bundle.py)."""

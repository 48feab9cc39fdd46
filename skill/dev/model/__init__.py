"""The interaction model as data (intents.yaml, manifest.yaml), its loader (source.py)
and its generator (build.py), which writes interaction_model/."""

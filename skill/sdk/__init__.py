"""Everything we change in, or add to, the ASK SDK for Python, in one place.

Each module names the SDK version it was written for and has a test that fails loudly if an
upgrade changes what it relies on: `serialize` (`CachingSerializer`, per-class reading and
writing plans), `api_client` (`TimeoutApiClient`, a timeout on Alexa API calls), `patches`
(the missing reminder model module aliased). A change one host alone needs lives with it:
request verification and the oscrypto fix in `skill.web`, the bundle-time lazy service
factory in `skill.dev.lazy_services`.
"""

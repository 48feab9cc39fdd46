"""Everything we change in, or add to, the ASK SDK for Python, in one place.

Each module names the SDK version it was written for and has a test that fails
loudly if an upgrade changes what it relies on:

* `serialize`: `CachingSerializer`, the SDK's serializer with a reading plan and a
  writing plan per model class, memoized class lookups and fast Alexa timestamps
  (ask-sdk-core 1.19, ask-sdk-model 1.82; source-hash pinned).
* `api_client`: `TimeoutApiClient`, the SDK's API client with a timeout (ask-sdk-core 1.19).
* `patches`: the missing reminder model module aliased (ask-sdk-model 1.82).

Changes used only by one host live with it: the web endpoint's request verification
and oscrypto fix in `skill.web`, the bundle-time lazy service factory in
`skill.dev.lazy_services`.
"""

"""The web endpoint, and everything only it needs (never in the Lambda bundle).

`app`: the Flask app (`create_app`, `serve`); `fast`: POST / without Flask, the same
answers; `verification`: Alexa's request-signature checks with a cached chain;
`oscrypto_fix`: oscrypto 1.3's OpenSSL version fix, applied before the SDK's verifier
loads (ask-sdk-webservice-support 1.3.3). Import the app as `skill.web.app`.
"""

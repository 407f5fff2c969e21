"""French law: the rate tables of late-payment interest (shipped, and updated by ``recouvre rates import``) and the
interest calculator (``recouvre interest``); the computation itself is pure, in ``recouvre/core/interest.py``."""

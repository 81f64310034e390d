"""API keys and rate limits: who a request comes from (an address, or a key sent as LL2's clients send
it), how many requests that caller may make, and the counters that hold across processes."""

"""The speak stage: posts without a recording read aloud, before render.

``script`` turns a post into what is said, ``engines`` says it, ``run`` writes the
section folder and its ``timing`` sidecar, which the build reads back.
"""

"""Pages for people: server-rendered HTML (Jinja2) in Chinese and English, on the node's own app."""

"""The routing policy: ordered rules over request features, each decision explained."""

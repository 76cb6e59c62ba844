"""The bottom layer: what scorers, readers, writers and rating methods are written with.

Imports nothing else of civscore."""

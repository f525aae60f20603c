"""The catalog: the offers the fake searches, their photos and the similarity index.

The seeded default catalog (``catalog.py``, words from ``vocab.py``, Open
Platform fields from ``aop_offer.py``), photos drawn on demand and their
perceptual fingerprints (``imaging.py``), nearest neighbours
(``similarity.py``), and users' own catalogs (``indexer.py`` builds one from a
folder of photos, ``catalog_io.py`` reads and writes it). It imports nothing
of the other rooms: the engine searches it through ``engine.search.CatalogLike``.
"""

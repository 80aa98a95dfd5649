"""sentcast: sentiment-driven forecasting and text classification with LSTM-family models.

The package is organised as one subpackage per pipeline stage; data flows one way:
``data -> text -> sentiment -> features -> models -> evaluation -> experiments -> reporting``.
Import from the subpackages, e.g. ``from sentcast.data.market import load_panel``.
"""

__version__ = "0.1.0"

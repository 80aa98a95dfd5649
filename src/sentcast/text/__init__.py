"""Text preprocessing shared by sentiment scoring and text classification."""

from sentcast.text.preprocess import PRESETS, TextPipeline, english_stopwords

__all__ = ["PRESETS", "TextPipeline", "english_stopwords"]

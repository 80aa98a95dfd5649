"""Estimators: PyTorch forecasters and text classifiers, baselines, the shared trainer."""

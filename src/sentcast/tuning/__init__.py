"""Hyper-parameter search of the grid's networks on the validation part (Optuna).

:mod:`~sentcast.tuning.trials` trains one round of trials (batched where their networks share
a shape) and prunes on the validation curve; :mod:`~sentcast.tuning.study` runs the Optuna
study of one network cell round by round, here or with the rounds' trials as Ray tasks, and
writes the trials.
"""

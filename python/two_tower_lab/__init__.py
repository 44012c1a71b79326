"""The torch engine of Two-Tower Lab: the workers that torchrun starts (docs/torch-engine.md).

The TypeScript front door prepares the run folder (``prepared/``) and writes the ``started`` event;
these modules train, sample, evaluate and write the rest of the run folder. Standard library, numpy
and torch only.
"""

"""Signal inputs: microphones read through PyAudio and cameras read through OpenCV, with their health checks.

``vad`` and ``health`` are pure (numpy arrays in, measurements out); ``audio`` and ``video`` are the devices,
each reading its source in a thread of its own and handing results to the event loop.
"""

"""Motion between video frames: optical flow (OpenCV's DIS), warps, Ruder's consistency weights, and the flow and
weight files (Middlebury .flo, .pgm) kept beside a clip's frames. A stage after io, before vgg: pure numpy/OpenCV,
no TensorFlow."""

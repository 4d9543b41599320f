"""Video: a clip stylised frame by frame with Ruder et al.'s temporal consistency, resumable (video.run)."""

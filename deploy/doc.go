// Package deploy holds colash's container image (Dockerfile) and Kubernetes job
// (pytorchjob.yaml); it has no Go code. Its test checks what can be checked without a cluster or
// an image build: the job parses, every rank runs one command line in one image with the threads
// of its CPU limit and --resume=auto, the model and data volumes are read-only, and the
// Dockerfile builds colash with the README's install command and ships the BLAS libtorch needs.
package deploy

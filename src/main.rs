//! Entry point of the wasm binary that Trunk builds.

fn main() {
    speech_annotator::start();
}

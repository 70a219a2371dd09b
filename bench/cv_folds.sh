# Sourced by the benchmarks that reuse a bench/real_cv.sh folder: its folds (the photos each
# fold model never saw), and a fold's training photos as the cross-validation counted them.
cv_folds=("42 2 10" "44 3 21" "50 8 49" "41 45 9")  # as bench/real_cv.sh
cv_all_ids="2 3 8 9 10 21 41 42 44 45 49 50"

# link_training_copies CV_DIR K DEST: links into DEST the test copies (plain where usable,
# repaired otherwise) of the photos fold K trained on.
link_training_copies() {
  local cv="$1" held=" ${cv_folds[$2]} " dest="$3" id
  mkdir -p "$dest"
  for id in $cv_all_ids; do
    [[ "$held" == *" $id "* ]] && continue
    ln -sfn "$(realpath "$cv/test-copies/$id.jpg")" "$dest/$id.jpg"
  done
}

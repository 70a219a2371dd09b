# Sourced by the benchmarks of the real sample (bench/real_cv.sh folders and their folds): the
# photos each fold model never saw, a fold's training photos as the cross-validation counted
# them, and the real chips a fold may use.
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

# link_chips SAMPLE DEST only|except "IDS": links the sample's real chips
# (chips/<class>/<id>_<class>_<k>.png) of the photos IDS names (only) or of every other photo
# (except) into DEST/<class>/, emptied first: a fold's synthetic survey may use only what it saw.
link_chips() {
  local sample="$1" dest="$2" mode="$3" ids=" $4 " class_dir class chip id listed
  for class_dir in "$sample"/chips/*/; do
    class=$(basename "$class_dir"); mkdir -p "$dest/$class"; rm -f "$dest/$class/"*
    for chip in "$class_dir"*.png; do
      id=${chip##*/}; id=${id%%_*}
      listed=no; [[ "$ids" == *" $id "* ]] && listed=yes
      if [ "$mode:$listed" = only:yes ] || [ "$mode:$listed" = except:no ]; then
        ln -s "$chip" "$dest/$class/"
      fi
    done
  done
}

# held_out_plain CV_DIR...: "FOLD ID" for each trained fold of each CV_DIR that holds out a photo
# with a plain copy (bench/real_cv.sh counted its repaired copy from FOLD/repaired-ID).
held_out_plain() {
  local work fold repaired
  for work in "$@"; do
    for fold in "$work"/fold*; do
      [ -f "$fold/points.bin" ] || continue
      for repaired in "$fold"/repaired-*; do
        [ -d "$repaired" ] && echo "$fold ${repaired##*/repaired-}"
      done
    done
  done
}

#pragma once
// One function per subcommand, each in its own file: it parses its flags (CLI11) into the
// library's options struct and calls the library. main() only dispatches.

namespace sealion {

int RunExtractCommand(int argc, char** argv);
int RunDedotCommand(int argc, char** argv);
int RunSynthCommand(int argc, char** argv);
int RunPatchesCommand(int argc, char** argv);
int RunTrainCommand(int argc, char** argv);
int RunCountCommand(int argc, char** argv);
int RunEnsembleCommand(int argc, char** argv);
int RunScoreCommand(int argc, char** argv);
int RunReportCommand(int argc, char** argv);
int RunOverlayCommand(int argc, char** argv);
int RunExportCommand(int argc, char** argv);

}  // namespace sealion

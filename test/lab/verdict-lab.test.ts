// The verdict in the lab's default network: every fault of test/lab/scenarios.ts on the default variant.
import { verdictSuite } from "./verdict-lab-suite.js";

verdictSuite("default");

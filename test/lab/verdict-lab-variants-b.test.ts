// The verdict across variants: NAT, dual stack, HTTPS and interception, the agent on the router (scenarios.ts).
import { verdictSuite } from "./verdict-lab-suite.js";

verdictSuite("variantsB");
